// Package formkit is what every huh v2 form of the desk is made with: the operation
// forms on a pass (tui/forms), and the forms drawn inside Anagrafica and
// Amministrazione (Dialog).
//
//   - Form wraps an embedded huh.Form: the desk's theme, the Italian key map, no help of
//     its own, and its State reported after every Update (see below).
//   - Theme: the 16 ANSI colours, or none in plain mode; focus and choice never shown by
//     colour alone.
//   - KeyMap: huh's keys with Italian help; esc abandons; s/n answer a confirmation.
//   - Validators with Italian messages (Required, Date, NotAfter, CodiceFiscale, Email,
//     Phone, composed with Optional and All), and the Sì/No questions (YesNo, Confirm).
//   - Dialog: a form inside a page, with its title, the last refusal above it and a
//     "Salvataggio in corso…" while the use case runs.
//   - No cursor blink (Quiet, TextInput): nothing redraws on a timer.
//
// Traps of embedding huh (see shared/design/libraries.md §2):
//
//   - SubmitCmd and CancelCmd are nil when a form is embedded: the page checks the state
//     Form.Update returns after every message.
//   - A completed or aborted huh.Form ignores every later message and draws nothing: a
//     refusal from the service rebuilds the form over the same values (the fields are
//     bound by pointer).
//   - Moving to the next field is a command (huh's nextFieldMsg): a key typed before it
//     arrives lands in the previous field.
//   - The built-in validators and the Yes/No, "No matches" strings are English: the
//     validators are ours, confirmations say Sì/No, list filtering is off.
//   - A confirmation rewrites its accept key's help to "y" at every render: Form.Help
//     shows the key that works.
//   - huh's text fields blink their cursor and offer no option against it: Form drops
//     the blink commands (Quiet).
package formkit
