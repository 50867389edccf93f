/**
 * TrainConfig validation with the shared schema (src/shared/train-schema.ts, also the API
 * contract's; the message names the field). The recipe (what a config holds by default) lives in
 * src/main/recipe/recipe.ts and is re-exported here for the callers that import it from training.
 */
import { SerError } from '../../shared/errors.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { TrainConfigSchema } from '../../shared/train-schema.js';
import type { TrainConfig } from '../../shared/training.js';
import { parseFeatureConfig } from '../features/config.js';

export {
  DEFAULT_MASKING,
  RECIPE_MLP_MEMBER,
  RECIPE_MODEL,
  RECIPE_OPTIMIZER,
  TRAINING_FEATURES,
  buildTrainConfig,
  memberName,
  type ConfigChoices,
  type ModelChoice,
} from '../recipe/recipe.js';

// Features are checked apart: a config from outside may give only the fields it changes.
const trainConfigSchema = TrainConfigSchema.omit({ features: true });

/** Check a TrainConfig from outside (IPC, a worker message, a file); throws ValidationError naming the field. */
export function validateTrainConfig(value: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new SerError('ValidationError', `training config: ${formatZodError(parsed.error)}`);
  }
  const features = parseFeatureConfig(
    (value as { features?: unknown }).features,
    'training config: features',
  );
  return { ...parsed.data, features };
}
