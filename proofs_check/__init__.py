"""proofs-check: executable, falsifiable claims about self-distillation."""

__all__ = []
