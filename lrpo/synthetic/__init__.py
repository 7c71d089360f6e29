"""Synthetic worlds: generated multilingual tasks on which a tiny model can be
trained and RL-tuned on a CPU (the models themselves are ``lrpo.models``).

- ``arith``: one- and two-step word problems told natively in 11 languages; the
  response language barely changes correctness (the null world).
"""
