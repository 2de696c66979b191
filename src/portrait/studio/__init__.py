"""The district studio: a web page and HTTP API for making a district edition in a browser."""
