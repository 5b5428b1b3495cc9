package components

// List is a Table of items of one kind, a row each: the item under the cursor, and the
// cursor put back on an item when the list comes again (the one a dialog just saved).
type List[T any] struct {
	Table
	Items []T
}

// Set replaces the items, a row each as row draws it.
func (l *List[T]) Set(items []T, row func(T) []string) {
	l.Items = items
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = row(it)
	}
	l.SetRows(rows)
}

// Focus puts the cursor on the item pick chooses (none: it stays in place).
func (l *List[T]) Focus(pick func(T) bool) {
	for i, it := range l.Items {
		if pick(it) {
			l.SetCursor(i)
		}
	}
}

// Selected is the item under the cursor (false: the list is empty).
func (l *List[T]) Selected() (T, bool) {
	if i := l.Cursor(); i >= 0 && i < len(l.Items) {
		return l.Items[i], true
	}
	var none T
	return none, false
}
