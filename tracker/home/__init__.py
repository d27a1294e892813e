"""Each role's home page: the open tasks, each linking to where it is done."""
