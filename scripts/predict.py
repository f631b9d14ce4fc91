"""Classify digit images: python scripts/predict.py (CHECKPOINT | --weights NAME) IMAGE ...

The same as `zoo predict`; --help says more.
"""

from zoo.commands.predict import main

if __name__ == "__main__":
    main()
