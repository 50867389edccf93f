/** Columns the runs table sorts by. */
export type SortKey = 'name' | 'status' | 'createdAt' | 'split' | 'accuracy' | 'macroF1' | 'epochs';
