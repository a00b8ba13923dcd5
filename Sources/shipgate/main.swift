print("shipgate")
