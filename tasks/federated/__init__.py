"""Federated centers: aggregate bundles written at a hospital, checked and pooled centrally."""
