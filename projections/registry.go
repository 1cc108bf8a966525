package projections

// All returns every projection of the service: the table of contents of the read side.
func All() []Projection {
	return []Projection{
		SessionStats{},
		Candidates{},
		NewReplay(),
		Questions{},
		Scoring{Analyze: AnalyzeCode},
		Reactions{},
	}
}
