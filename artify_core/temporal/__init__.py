"""Temporal coherence for any stylization model.

``flow``: optical-flow estimators (DIS, RAFT), registered in ``estimators``; ``functional``:
warping, consistency masks (numpy, shared with the metrics); ``motion``: pair
flows and masks at a working resolution on a thread pool; ``ops``: frame
arithmetic on the model's device; ``methods``: the temporal methods' steps;
``smoothing``: running a method along a video, chunk-seamless; ``modes``: the
method names and defaults users type.

Nothing is imported here: listing the methods must not load torch or OpenCV.
"""
