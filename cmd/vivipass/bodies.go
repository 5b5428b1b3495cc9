//go:build !lean

package main

// body is the function that runs a command of the table (main.go): in the full
// program, each its own.
func body(name string) func(*env, []string) error {
	return map[string]func(*env, []string) error{
		"init":         cmdInit,
		"serve":        cmdServe,
		"demo":         cmdDemo,
		"operator":     cmdOperator,
		"import":       cmdImport,
		"template-csv": cmdTemplate,
		"export":       cmdExport,
		"whitelist":    cmdWhitelist,
		"pass":         cmdPass,
		"search":       cmdSearch,
		"deceased":     cmdDeceased,
		"backup":       cmdBackup,
		"restore":      cmdRestore,
		"audit":        cmdAudit,
		"store":        cmdStore,
		"pec":          cmdPec,
		"print":        cmdPrint,
		"verify":       cmdVerify,
		"key":          cmdKey,
		"template":     cmdTemplates,
		"national":     cmdNational,
		"national-sim": cmdNationalSim,
		"client":       cmdClient,
		"printer":      cmdPrinter,
	}[name]
}
