"""Synthetic worlds: generated multilingual tasks on which a tiny model can be
trained and RL-tuned on a CPU (the models themselves are ``lrpo.models``).

- ``arith``: one- and two-step word problems told natively in 11 languages; the
  response language barely changes correctness (the null world).
- ``arith_cot``: 2-4 step word problems solved step by step in the response
  language's number words, so the response language changes correctness.
"""
