"""Side effects and step kinds: one module each, behind small interfaces."""
