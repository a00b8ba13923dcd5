// Policy module
