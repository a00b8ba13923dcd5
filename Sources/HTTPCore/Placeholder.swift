// HTTPCore module
