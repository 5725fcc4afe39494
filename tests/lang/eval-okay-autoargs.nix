{ a, b ? "default", s }: [ a b s ]
