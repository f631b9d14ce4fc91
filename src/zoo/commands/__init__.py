"""The command lines, one module each, every one a `main()` over library functions: the
`zoo` console command (`zoo train`, `zoo forecast`, ...) and the repository's scripts
(`scripts/train.py`, ...) both call them."""
