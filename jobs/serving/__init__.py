"""The scoring server of a real-time endpoint: one process per endpoint, serving one bundle.

It never opens the workspace database or talks to the control plane: a bundle file and a keys
file are all it reads, so an endpoint keeps serving while the control plane restarts.
"""
