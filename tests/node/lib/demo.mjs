// The sandbox's seeded objects (server/sandbox/*.cpp; also listed in sandbox-mode instructions).
export const DEMO = {
  region: 'fr-par',
  functionId: '82ecacc8-b6ba-4b6c-9fc5-ee0db3ec9928',
  namespaceId: 'c52dfe40-fe47-4144-8ef8-4271f33bfbda',
  tokenId: '6c817983-ed16-424d-947b-c7e29fb0e8e0',
  userId: 'bd40b601-a3ed-43fc-8ccb-9a8234977f02',
  projectId: 'cc732626-aa9f-456d-8b50-a98235146605',
  secretId: 'f755dc6c-fe9f-41bf-bf03-ff5927bdfec9',
  protectedSecretId: '0f73e93e-e9c7-4dfa-ac60-fe7bb8dde084',
  scheduledSecretId: 'd57374c8-56b0-433b-9d85-b5304b1bc224',
  organization: 'demo-org',
  serviceTokenId: '9lgmxg9edn58',
  database: 'demo-db',
};
