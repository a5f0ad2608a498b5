"""The claim catalogue, one module per paper."""
