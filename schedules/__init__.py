"""When things happen: the clock process, its jobs and their exactly-once claims."""
