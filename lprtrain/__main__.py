from cli.lprtrain import main

if __name__ == "__main__":
    main()
