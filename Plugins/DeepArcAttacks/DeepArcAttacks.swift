// DeepArcAttacks
