import { precip } from '@prd/precip';
import { describeConformance } from './conformance.js';

// The domain plugin lives in @prd/precip, which @prd/testing depends on; its conformance runs here (no cycle).
describeConformance([precip]);
