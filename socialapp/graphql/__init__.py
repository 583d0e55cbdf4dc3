"""GraphQL plumbing: per-app schemas at /graphql/<service>/ and their union at /graphql/."""
