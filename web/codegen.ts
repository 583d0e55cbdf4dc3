// One generated module per service (src/gql/<service>/): each service's documents are checked against
// that service's committed SDL only, so an operation can never silently ask a service for a field it lacks.
import type { CodegenConfig } from '@graphql-codegen/cli'

const services = ['auth', 'users', 'feed', 'media', 'notifications'] as const

const config: CodegenConfig = {
  overwrite: true,
  ignoreNoDocuments: false,
  generates: Object.fromEntries(
    services.map((service) => [
      `src/gql/${service}/`,
      {
        schema: `../docs/graphql/${service}.graphql`,
        documents: [`src/api/${service}.ts`],
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: {
          useTypeImports: true,
          enumsAsTypes: true,
          scalars: { DateTime: 'string', Upload: 'File' },
        },
      },
    ]),
  ),
}

export default config
