"""Every change to PhysNet's state goes through a function in this package.

`check_*` validates raw input then calls `do_*`; `do_*` changes state, commits, and queues
its side effects (broadcasts, indexing) to run after the commit.
"""
