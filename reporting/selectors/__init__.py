"""Reads of Reports shared by the pages, exports, the Graph endpoint and Home."""
