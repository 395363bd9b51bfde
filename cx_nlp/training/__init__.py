"""Training utilities for the default heads: data loaders, embedding cache, fit, export.

Everything here may import torch (training only); inference code never imports this
package.
"""
