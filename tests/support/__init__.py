"""What the tests share: the in-process harness (``harness``), the real process against
the fake Bot API over HTTP (``e2e``), and the steps several test modules take (one module
per feature). A test module imports from here, never from another test module."""
