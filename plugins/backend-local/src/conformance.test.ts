import { describeConformance } from '@prd/testing';
import plugins from './plugins.js';

describeConformance(plugins);
