target_sources(${target} PRIVATE
	${PROJECT_SOURCE_DIR}/src/cli/parse.c
	${PROJECT_SOURCE_DIR}/src/preload/config.c)
