/** @prd/testing: fixtures and helpers for testing prd plugins. */
export { tempDir, pluginContext, withEngine, tableContext } from './context.js';
export { startTestServer, type RecordedRequest, type TestHttpServer, type TestResponse } from './http-server.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions, type Fault, type PlaneJob, type PlaneRequest } from './azureml/control-plane.js';
export { BodyChecker, azureAiMlPython } from './azureml/checker.js';
export { azurite, type AzuriteInfo } from './azureml/azurite.js';
export { imageFor, contextDigest, type BuiltImage } from './azureml/image-builder.js';
export { IdentityEndpoints, type IdentityKind, type IdentityRequest } from './azureml/identity.js';
export { describeConformance, tinyPredictions, type ConformanceOptions } from './conformance.js';
export { runPrd, REPO_ROOT, type PrdResult } from './prd-process.js';
