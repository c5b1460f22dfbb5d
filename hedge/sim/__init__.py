"""Local venues on 127.0.0.1 for paper mode and tests.

An independent implementation of the venues' side of each protocol: nothing here imports
hedge.adapters, so a parser bug in the bot cannot cancel itself out against the venue.
"""
