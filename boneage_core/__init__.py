__version__ = "0.1.0"

import warnings as _warnings
# fastai's layers.py calls torch.jit.script when it is imported, and torch >= 2.10 then prints a FutureWarning on every
# `boneage` command and notebook. It is fastai's to change, not ours and not the user's: hide just that one message.
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
