// Command gostart does nothing: its run is the start of any Go program on this
// machine, the floor under the time of a vivipass command (bench/region.sh).
package main

func main() {}
