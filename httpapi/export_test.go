package httpapi

// ListBuilds is how many full lists s has built (listcache.go).
func ListBuilds(s *Server) int64 { return s.lists.builds.Load() }
