import { closest, PrdError, type ColumnInfo, type TableContext } from '@prd/core';

/** A column of the sampler's input, or an error naming the option and the nearest column. */
export function requireColumn(ctx: TableContext, name: string, option: string): ColumnInfo {
  const column = ctx.columns.find((c) => c.name === name);
  if (column) return column;
  throw PrdError.of({
    pointer: `${ctx.pointer}/with/${option}`,
    message: `column "${name}" is not in the data`,
    suggestion: closest(name, ctx.columns.map((c) => c.name)),
  });
}
