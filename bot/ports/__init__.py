"""What the core needs from the outside: a chat platform (`chat`) and a store (`store`)."""
