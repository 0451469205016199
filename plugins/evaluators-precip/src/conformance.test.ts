import { describeConformance } from '@prd/testing';
import plugins from './index.js';

describeConformance(plugins, { targets: { binary: 'binary' } });
