"""HTML pages: one module per page or family of pages; each reads through selectors."""
