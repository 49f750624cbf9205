"""Click commands for the `plategen` and `lprtrain` console scripts (thin wrappers over the libraries)."""
