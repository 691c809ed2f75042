"""Settings: ``base`` holds everything; dev, test and prod are thin layers."""
