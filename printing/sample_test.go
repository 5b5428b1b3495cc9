package printing_test

import "vivipass/printing"

// sampleModule is a pass and holder with every field a template may print.
func sampleModule() printing.ModuleData { return printing.SampleModuleData() }
