/** Columns the runs table sorts by. */
export type SortKey = 'name' | 'status' | 'createdAt' | 'accuracy' | 'macroF1' | 'epochs';
