/** The plugins of @prd/precip, as prd's discovery loads them. */
import { precip } from './domain.js';

export default [precip];
