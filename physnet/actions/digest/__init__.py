"""The weekly digest (issue 17): each person's choice (`choice.py`), what goes in
(`content.py`) and the weekly job that sends it in the app or by mail (`send.py`)."""
