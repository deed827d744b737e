print("byok-host")
