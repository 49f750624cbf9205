"""lprtrain: LPRNet with the graphical-supervision decoder."""
