import { describeConformance } from '@prd/testing';
import plugins from './index.js';

// Creating the tracker does not connect; the address only has to be given.
describeConformance(plugins, { options: { mlflow: { uri: 'http://127.0.0.1:5000' } } });
