"""HTTP views of assessment, one module per screen or client."""
