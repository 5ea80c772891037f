"""Reads of the case store, one module per subject. Every function takes the acting user and returns
only what they may see."""
